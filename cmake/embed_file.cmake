# Turns a file into a C++ source that defines its bytes, so that a program carries it without
# reading it at run time:
#
#   cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P cmake/embed_file.cmake
#
# defines `extern const unsigned char negsim::embedded::<name>[]` and `<name>_size`. The output
# lands in the build tree and is never committed.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# 0xNN, for every byte; then a line break every 32 bytes so the source stays diffable.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_file.cmake; do not edit.\n"
  "#include <cstddef>\n\n"
  "namespace negsim::embedded {\n"
  "extern const unsigned char ${SYMBOL}[];\n"
  "extern const std::size_t ${SYMBOL}_size;\n"
  "const unsigned char ${SYMBOL}[] = {\n${bytes}0x00};\n"
  "const std::size_t ${SYMBOL}_size = ${size};\n"
  "}  // namespace negsim::embedded\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
