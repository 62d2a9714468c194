# Install rules and the Debian package. From the build folder:
#
#   cmake --build . --target tilefarm tilefarm_man && cpack -G DEB   # -> tilefarm_VERSION_ARCH.deb
#
# The package holds the tilefarm binary and its image module in /usr/lib/tilefarm (stripped;
# formats/image/image_codec.h), man pages made from its --help output, the systemd units, and
# examples (environment files, the Slurm script) in /usr/share/doc/tilefarm/examples. It
# installs nothing under /etc and starts no service: operators copy an example to /etc and
# enable the units (README, "Running a farm as services"). Tests and benchmarks are never
# installed. scripts/check-package builds, installs and checks it.
include(GNUInstallDirs)

# `install` and `cpack` do not build every target first (tests, benchmarks): only what the
# package holds needs to be built, and the targets above name it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Man pages (section 1) for tilefarm and each subcommand, from the binary's own --help.
set(TILEFARM_MAN_DIR ${PROJECT_BINARY_DIR}/man/man1)
set(TILEFARM_MAN_STAMP ${PROJECT_BINARY_DIR}/man/man1.stamp)
add_custom_command(
  OUTPUT ${TILEFARM_MAN_STAMP}
  COMMAND ${CMAKE_COMMAND} -DTILEFARM=$<TARGET_FILE:tilefarm> -DOUTPUT_DIR=${TILEFARM_MAN_DIR}
          -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/ManPages.cmake
  COMMAND ${CMAKE_COMMAND} -E touch ${TILEFARM_MAN_STAMP}
  DEPENDS tilefarm ${PROJECT_SOURCE_DIR}/cmake/ManPages.cmake
  COMMENT "Man pages from tilefarm --help"
  VERBATIM)
add_custom_target(tilefarm_man ALL DEPENDS ${TILEFARM_MAN_STAMP})

install(TARGETS tilefarm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tilefarm_image_oiio LIBRARY DESTINATION ${TILEFARM_MODULE_INSTALL_DIR})
install(DIRECTORY ${TILEFARM_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1.gz")
# lib/systemd/system under the /usr prefix: systemd's unit path on every Debian 12 system.
install(FILES packaging/systemd/tilefarm-dispatcher.service
              packaging/systemd/tilefarm-worker@.service
        DESTINATION lib/systemd/system)
install(FILES packaging/systemd/tilefarm-dispatcher.default packaging/systemd/worker.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(PROGRAMS packaging/slurm/tilefarm-workers.sbatch
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(TILEFARM_PACKAGE_MAINTAINER "tilefarm maintainers <maintainers@users.noreply.r-seed-9e494821.example>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tilefarm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR tilefarm)
set(CPACK_PACKAGE_CONTACT "${TILEFARM_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "GPU-accelerated distributed rendering and simulation farm")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TILEFARM_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "opencl-icd, postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The extended description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "tilefarm splits render frames and simulation steps into tiles and leases them over
ZeroMQ (CurveZMQ) to workers that run CUDA, OpenCL or CPU kernels. Kernels are bitwise
deterministic across backends, so redundant results from untrusted workers are verified
by comparing hashes, and contributors are credited in a signed, hash-chained ledger.
.
This package holds the tilefarm command (dispatcher, worker and client commands),
systemd units for a dispatcher and for workers (tilefarm-worker@NAME), man pages, and
examples: environment files and a Slurm job array script for workers.")
include(CPack)
