#include "negsim/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace negsim {

std::string format_decimal(double value, int places) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  places = places < 0 ? 0 : places;
  const bool negative = std::signbit(value);
  // "d.dddddddddddddde+XX": the 15 significant digits a person would read (report.js uses
  // toExponential(14), which gives the same digits).
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.14e", std::abs(value));
  const std::string text(buffer);
  std::string digits = text.substr(0, 1) + text.substr(2, 14);
  const int exponent = std::atoi(text.c_str() + text.find('e') + 1);
  const int keep = exponent + 1 + places;  // digits kept: those before the point, then `places`
  std::string kept;
  if (keep >= static_cast<int>(digits.size())) {
    kept = digits + std::string(static_cast<std::size_t>(keep) - digits.size(), '0');
  } else if (keep >= 0) {
    kept = digits.substr(0, static_cast<std::size_t>(keep));
    if (digits[static_cast<std::size_t>(keep)] >= '5') {  // half away from zero
      int at = keep - 1;
      while (at >= 0 && kept[static_cast<std::size_t>(at)] == '9') kept[static_cast<std::size_t>(at--)] = '0';
      if (at >= 0) {
        ++kept[static_cast<std::size_t>(at)];
      } else {
        kept.insert(kept.begin(), '1');
      }
    }
  }
  // kept holds the digits of round(|value| * 10^places); pad on the left to place the point.
  const std::size_t needed = static_cast<std::size_t>(places) + 1;
  if (kept.size() < needed) kept.insert(0, needed - kept.size(), '0');
  std::string whole = kept.substr(0, kept.size() - static_cast<std::size_t>(places));
  const std::size_t first = whole.find_first_not_of('0');
  whole = first == std::string::npos ? "0" : whole.substr(first);
  const std::string fraction = kept.substr(kept.size() - static_cast<std::size_t>(places));
  const bool zero = whole == "0" && fraction.find_first_not_of('0') == std::string::npos;
  return std::string(negative && !zero ? "-" : "") + whole + (places > 0 ? "." + fraction : "");
}

std::string format_count(std::uint64_t count, const std::string& singular, const std::string& plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

std::string format_percent(double share, int places) {
  return format_decimal(100.0 * share, places) + "%";
}

int places_apart(double value, double reference, int places) {
  // Equal numbers read the same at every precision: more digits would only add zeros.
  if (value == reference) return places;
  for (int shown = places; shown < 6; ++shown) {
    if (format_decimal(value, shown) != format_decimal(reference, shown)) return shown;
  }
  return std::max(places, 6);
}

std::string format_apart(double value, double reference, int places) {
  return format_decimal(value, places_apart(value, reference, places));
}

std::string format_significant(double value, int digits) {
  if (!std::isfinite(value)) return format_decimal(value, 0);
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(value))));
  const int places = std::max(0, digits - 1 - magnitude);
  std::string text = format_decimal(value, std::min(places, 12));
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::string value_as_text_prints_it(const std::string& text, double value) {
  const std::string marker = "; draft at ";
  const auto at = text.rfind(marker);
  if (text.empty() || text.back() != ')' || at == std::string::npos) return format_decimal(value, 2);
  const auto begin = at + marker.size();
  return text.substr(begin, text.size() - 1 - begin);
}

std::string aligned_columns(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  if (rows.empty()) return "";
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();  // an empty last cell
    text += line + "\n";
  }
  return text;
}

std::string the_body(const std::string& body) {
  return body.rfind("the ", 0) == 0 || body.rfind("The ", 0) == 0 ? body : "the " + body;
}

std::string wrap_words(const std::string& text, int width, const std::string& first_prefix, std::size_t indent) {
  if (width <= 0) return first_prefix + text + "\n";
  const auto limit = static_cast<std::size_t>(width);
  std::string out;
  std::string line = first_prefix;
  bool line_has_word = false;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (line_has_word && line.size() + 1 + word.size() > limit) {
      out += line + "\n";
      line = std::string(indent, ' ');
      line_has_word = false;
    }
    if (line_has_word) line += ' ';
    line += word;
    line_has_word = true;
  }
  return out + line + "\n";
}

std::string tidy_json_numbers(const std::string& json_text) {
  std::string out;
  out.reserve(json_text.size());
  bool in_string = false;
  for (std::size_t at = 0; at < json_text.size();) {
    const char c = json_text[at];
    if (in_string) {
      out += c;
      if (c == '\\' && at + 1 < json_text.size()) {
        out += json_text[at + 1];
        at += 2;
        continue;
      }
      if (c == '"') in_string = false;
      ++at;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      ++at;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      out += c;
      ++at;
      continue;
    }
    std::size_t end = at;
    while (end < json_text.size() && std::string("+-.eE0123456789").find(json_text[end]) != std::string::npos) ++end;
    const std::string token = json_text.substr(at, end - at);
    at = end;
    int digits = 0;
    for (char d : token.substr(0, token.find_first_of("eE"))) digits += d >= '0' && d <= '9' ? 1 : 0;
    if (digits <= 15 || token.find_first_of(".eE") == std::string::npos) {
      out += token;
      continue;
    }
    const double value = std::strtod(token.c_str(), nullptr);
    std::string best = token;
    for (int precision = 1; precision <= 15; ++precision) {
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
      if (std::strtod(buffer, nullptr) == value) {
        best = buffer;
        break;
      }
    }
    out += best;
  }
  return out;
}

std::string name_without_chair_mark(std::string name) {
  const std::string suffix = " (chair)";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

}  // namespace negsim
