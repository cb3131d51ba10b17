# find_package(dl) support: installs libdl_core and libdl_keras, the public headers (everything outside
# internal/ folders) under include/dl/, and CMake package files.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS dl_core dl_keras EXPORT dlTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir core graph kernels highlevel)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dl/${dir}
    FILES_MATCHING PATTERN "*.h" PATTERN "internal" EXCLUDE PATTERN "onednn" EXCLUDE)
endforeach()
install(EXPORT dlTargets NAMESPACE dl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dl)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dlConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dlConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dl)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dlConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dlConfig.cmake ${PROJECT_BINARY_DIR}/dlConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dl)
