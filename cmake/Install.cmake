# Installs the libraries, headers, the CMake package (workq::workq,
# workq::kernels) and workq.pc.
include(CMakePackageConfigHelpers)

set(WORKQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/workq)

install(TARGETS workq workq_kernels EXPORT workqTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY engine/include/workq kernels/include/workq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/workq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT workqTargets NAMESPACE workq:: DESTINATION ${WORKQ_CMAKE_DIR})

configure_package_config_file(cmake/workqConfig.cmake.in
  ${PROJECT_BINARY_DIR}/workqConfig.cmake INSTALL_DESTINATION ${WORKQ_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/workqConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/workqConfig.cmake
  ${PROJECT_BINARY_DIR}/workqConfigVersion.cmake DESTINATION ${WORKQ_CMAKE_DIR})

# pkg-config: relocatable (prefix found from the .pc file's own location),
# absolute only where GNUInstallDirs gave absolute directories.
file(RELATIVE_PATH WORKQ_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
set(WORKQ_PC_PREFIX "\${pcfiledir}/${WORKQ_PC_UP}")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(WORKQ_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(WORKQ_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(cmake/workq.pc.in ${PROJECT_BINARY_DIR}/workq.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/workq.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# With BUILD_SHARED_LIBS, the installed tools find the installed libraries
# relative to themselves (bin/../lib), under any prefix.
if(BUILD_SHARED_LIBS AND WORKQ_BUILD_APPS AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  file(RELATIVE_PATH WORKQ_BIN_TO_LIB "/p/${CMAKE_INSTALL_BINDIR}" "/p/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(pi genomics PROPERTIES INSTALL_RPATH "\$ORIGIN/${WORKQ_BIN_TO_LIB}")
endif()
