# The files `negsim report` inlines into its pages, compiled into the library so that the
# command works offline and never reads them at run time: Vega's bundle (pinned and checked,
# see tools/vega.pin), the report's and the room's own scripts and style sheets, and the number
# formatting both pages share (sim/report/format.js).
# Sets NEGSIM_REPORT_ASSET_SOURCES: generated .cpp files to add to negsim_lib.

file(STRINGS "${CMAKE_SOURCE_DIR}/tools/vega.pin" vega_pin_lines REGEX "^(version|sha256) ")
foreach(pin_line IN LISTS vega_pin_lines)
  string(REGEX MATCH "^([a-z0-9]+) +([^ ]+)$" matched "${pin_line}")
  set(NEGSIM_VEGA_PIN_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
endforeach()
if(NOT NEGSIM_VEGA_PIN_version OR NOT NEGSIM_VEGA_PIN_sha256)
  message(FATAL_ERROR "tools/vega.pin must give the Vega version and the SHA-256 of its vega.min.js")
endif()

set(NEGSIM_VEGA_BUNDLE "${CMAKE_SOURCE_DIR}/build/vega.min.js" CACHE FILEPATH
    "Vega's bundle vega.min.js, as fetched by tools/setup from the pinned npm package")
if(NOT EXISTS "${NEGSIM_VEGA_BUNDLE}")
  message(FATAL_ERROR
    "Vega's bundle is missing: ${NEGSIM_VEGA_BUNDLE}\n"
    "Run tools/setup: it fetches vega.min.js from the npm package vega@${NEGSIM_VEGA_PIN_version} "
    "and checks its SHA-256 (tools/vega.pin). `negsim report` inlines it into every page.")
endif()
file(SHA256 "${NEGSIM_VEGA_BUNDLE}" vega_bundle_sha256)
if(NOT vega_bundle_sha256 STREQUAL NEGSIM_VEGA_PIN_sha256)
  message(FATAL_ERROR
    "${NEGSIM_VEGA_BUNDLE} has SHA-256 ${vega_bundle_sha256}, but tools/vega.pin expects "
    "${NEGSIM_VEGA_PIN_sha256} (vega ${NEGSIM_VEGA_PIN_version}). Delete it and run tools/setup.")
endif()
# Check again whenever the bundle or the pin changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${NEGSIM_VEGA_BUNDLE}" "${CMAKE_SOURCE_DIR}/tools/vega.pin")

set(NEGSIM_REPORT_ASSET_SOURCES "")
foreach(asset IN ITEMS "vega_bundle|${NEGSIM_VEGA_BUNDLE}" "format_script|${CMAKE_SOURCE_DIR}/sim/report/format.js"
                       "report_script|${CMAKE_SOURCE_DIR}/sim/report/report.js"
                       "report_style|${CMAKE_SOURCE_DIR}/sim/report/report.css"
                       "room_script|${CMAKE_SOURCE_DIR}/sim/room/room.js" "room_style|${CMAKE_SOURCE_DIR}/sim/room/room.css")
  string(REPLACE "|" ";" asset "${asset}")
  list(GET asset 0 symbol)
  list(GET asset 1 input)
  set(output "${CMAKE_BINARY_DIR}/generated/embedded_${symbol}.cpp")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${symbol}
            -P "${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake"
    DEPENDS "${input}" "${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake"
    COMMENT "Embedding ${symbol}"
    VERBATIM)
  list(APPEND NEGSIM_REPORT_ASSET_SOURCES "${output}")
endforeach()
# Data only, generated at build time: compiled on their own, never merged into a unity batch (the
# tidy preset configures a unity build without building, so a batch must not include them).
set_source_files_properties(${NEGSIM_REPORT_ASSET_SOURCES} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
set_source_files_properties("${CMAKE_SOURCE_DIR}/sim/report.cpp" PROPERTIES
  COMPILE_DEFINITIONS "NEGSIM_VEGA_VERSION=\"${NEGSIM_VEGA_PIN_version}\"")
