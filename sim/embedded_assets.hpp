// The files compiled into the library at build time (cmake/report_assets.cmake): Vega's bundle
// (build/vega.min.js) and the report's and the room's script and style sheet.
#pragma once

#include <cstddef>
#include <string_view>

namespace negsim::embedded {

extern const unsigned char vega_bundle[];
extern const std::size_t vega_bundle_size;
extern const unsigned char format_script[];  // window.negsimFormat, inlined before each page's script
extern const std::size_t format_script_size;
extern const unsigned char report_script[];
extern const std::size_t report_script_size;
extern const unsigned char report_style[];
extern const std::size_t report_style_size;
extern const unsigned char room_script[];
extern const std::size_t room_script_size;
extern const unsigned char room_style[];
extern const std::size_t room_style_size;

// An embedded file as text.
inline std::string_view text(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

}  // namespace negsim::embedded
