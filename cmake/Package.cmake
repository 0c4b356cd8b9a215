# The Debian package, built by CPack (`make package`, preset `package`):
# build/package/workq_VERSION_ARCH.deb holds what `cmake --install` puts
# under /usr: the tools, the libraries, the headers, the CMake and
# pkg-config files, the man pages and the documents. Depends is computed by
# dpkg-shlibdeps from the tools' shared libraries (libc6, zlib1g; with
# WORKQ_WITH_MPI also Open MPI's library). The version is project()'s.
install(FILES LICENSE NEWS.md README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian's place for the license text.
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME workq)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the workq authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "work-queue engine on pthreads, with the pi and genomics tools")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "workq is a C11 work-queue engine: a pool of worker threads with parallel
map, deterministic map-reduce and an asynchronous map in bounded memory.
This package holds the library (static, with headers, a CMake package and
workq.pc) and two tools built on it: pi, the Leibniz approximation of pi,
and genomics, edit distances of DNA sequence pairs from pair, FASTA and
FASTQ files.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "the workq authors")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, pkg-config")
include(CPack)
