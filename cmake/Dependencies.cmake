# Every dependency is a Debian 12 package installed by scripts/install-deps.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenCL REQUIRED)
find_package(OpenImageIO REQUIRED)
# Debian's OpenImageIO config lists /usr/include/opencv4 as an include directory although
# OpenCV is not a dependency of ours (nor installed): drop it so that generation succeeds.
foreach(prop INTERFACE_INCLUDE_DIRECTORIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES)
  get_target_property(_oiio_dirs OpenImageIO::OpenImageIO ${prop})
  if(_oiio_dirs)
    list(REMOVE_ITEM _oiio_dirs /usr/include/opencv4)
    set_target_properties(OpenImageIO::OpenImageIO PROPERTIES ${prop} "${_oiio_dirs}")
  endif()
endforeach()
find_package(CapnProto REQUIRED)
find_package(cppzmq REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)  # libpq only (libpq-dev); the server is for tests
find_package(nlohmann_json REQUIRED)
find_package(assimp REQUIRED)  # meshes (OBJ, glTF, PLY) given directly to the scene loader
find_package(CLI11 REQUIRED)
# cpp-httplib (libcpp-httplib-dev) ships no CMake config: its header and compiled library.
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
find_library(HTTPLIB_LIBRARY cpp-httplib REQUIRED)
add_library(httplib::httplib UNKNOWN IMPORTED)
set_target_properties(httplib::httplib PROPERTIES IMPORTED_LOCATION "${HTTPLIB_LIBRARY}"
                      INTERFACE_INCLUDE_DIRECTORIES "${HTTPLIB_INCLUDE_DIR}")
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)  # EXR blocks (exr_writer.h)

# CUDA is optional: built when nvcc is present (the machine image has /usr/local/cuda), run
# only where a GPU and driver exist. "No device" at run time is a normal outcome.
set(TILEFARM_HAVE_CUDA OFF)
if(TILEFARM_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Turing SASS for older cards, Hopper SASS + PTX so newer GPUs JIT from compute_90.
      set(CMAKE_CUDA_ARCHITECTURES "75-real;90")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(TILEFARM_HAVE_CUDA ON)
  endif()
endif()
message(STATUS "tilefarm: CUDA backend ${TILEFARM_HAVE_CUDA}")
