# What `cmake --install` places and how CPack packs it (a .deb and a .tar.gz).
# The manual pages and completion scripts are generated from the built binary by the pgmi_docs
# target (cmake/gen_docs.cmake), so they always describe the binary they ship with.
include(GNUInstallDirs)

set(PGMI_GENERATED_DOCS ${CMAKE_BINARY_DIR}/generated-docs)
add_custom_command(
  OUTPUT ${PGMI_GENERATED_DOCS}/stamp
  COMMAND ${CMAKE_COMMAND} -DPGMI=$<TARGET_FILE:pgmi> -DOUT=${PGMI_GENERATED_DOCS}
          -P ${PROJECT_SOURCE_DIR}/cmake/gen_docs.cmake
  COMMAND ${CMAKE_COMMAND} -E touch ${PGMI_GENERATED_DOCS}/stamp
  DEPENDS pgmi ${PROJECT_SOURCE_DIR}/cmake/gen_docs.cmake
  COMMENT "Manual pages and shell completions from pgmi itself")
add_custom_target(pgmi_docs ALL DEPENDS ${PGMI_GENERATED_DOCS}/stamp)

# Release builds for the package (scripts/package.sh) keep the debug information in a separate
# file next to the binary (pgmi.debug, found by gdb through the debug link) and strip the binary.
option(PGMI_SPLIT_DEBUG "Move debug information to pgmi.debug and strip pgmi" OFF)
if(PGMI_SPLIT_DEBUG)
  find_program(PGMI_OBJCOPY NAMES objcopy REQUIRED)
  add_custom_command(TARGET pgmi POST_BUILD
    COMMAND ${PGMI_OBJCOPY} --only-keep-debug $<TARGET_FILE:pgmi> $<TARGET_FILE:pgmi>.debug
    COMMAND ${PGMI_OBJCOPY} --strip-all --add-gnu-debuglink=$<TARGET_FILE:pgmi>.debug
            $<TARGET_FILE:pgmi>
    WORKING_DIRECTORY $<TARGET_FILE_DIR:pgmi>
    COMMENT "Debug information to pgmi.debug, pgmi stripped")
endif()

install(TARGETS pgmi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PGMI_GENERATED_DOCS}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${PGMI_GENERATED_DOCS}/completions/pgmi
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${PGMI_GENERATED_DOCS}/completions/_pgmi
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PGMI_GENERATED_DOCS}/completions/pgmi.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/user/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/user)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/fleet DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        USE_SOURCE_PERMISSIONS)
# Debian keeps the licence as /usr/share/doc/<package>/copyright.
if(EXISTS ${PROJECT_SOURCE_DIR}/LICENSE)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR}
          RENAME copyright)
endif()

# The package. Depends: is computed by dpkg-shlibdeps from the binary's shared libraries.
execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE PGMI_DEB_ARCH
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT PGMI_DEB_ARCH)
  set(PGMI_DEB_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()
set(PGMI_PACKAGE_MAINTAINER "pgmi maintainers <maintainers@pgmi.invalid>"
    CACHE STRING "The Maintainer: field of the .deb")
set(CPACK_PACKAGE_NAME pgmi)
set(CPACK_PACKAGE_VENDOR pgmi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${PGMI_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "programmable PostgreSQL deployments")
set(CPACK_PACKAGE_DESCRIPTION
    "pgmi connects once, loads every file of a project into session temp tables and runs the
project's own deploy.sql, which decides what to execute, in which order, inside which
transactions, gated by which tests. pgmi owns connections, authentication (TLS, Azure, AWS,
Google Cloud SQL), parameters, safety prompts, reporting and exit codes.")
set(CPACK_PACKAGE_FILE_NAME pgmi_${PROJECT_VERSION}_${PGMI_DEB_ARCH})
set(CPACK_GENERATOR DEB TGZ)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${PGMI_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS postgresql)  # initdb and postgres for --ephemeral
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# The .deb installs under /usr; the .tar.gz unpacks to pgmi_<version>_<arch>/{bin,share}.
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/cpack_options.cmake)
include(CPack)
