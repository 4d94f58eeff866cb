# CMake toolchain file for bare-metal Arm Cortex-M with the GNU Arm toolchain
# (Debian's gcc-arm-none-eabi):
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
#   cmake --build build          # build/libchopalloc.a, for Cortex-M4
# The core is ARM_NONE_EABI_CPU, a -mcpu value (default cortex-m4); choose it when
# the build directory is first configured:
#   cmake -S . -B build-m0 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
#       -DARM_NONE_EABI_CPU=cortex-m0
# ARM_NONE_EABI_FLAGS adds flags of the firmware's ABI, for example
# "-mfpu=fpv4-sp-d16 -mfloat-abi=hard" (the library itself uses no floating point).
# Only the library needs nothing more.  Programs (the tests, a firmware) need a C
# library and a memory map at link time, which this file does not choose: newlib's
# stubs (-DCMAKE_EXE_LINKER_FLAGS=--specs=nosys.specs), or picolibc with semihosting
# to run them under qemu (.ci/cmake has the flags, README "Embedded targets" why).
# SPDX-License-Identifier: MIT
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(ARM_NONE_EABI_CPU cortex-m4 CACHE STRING "Arm core to build for (-mcpu=...)")
set(ARM_NONE_EABI_FLAGS "" CACHE STRING "Further ABI flags for every compilation and link")
# try_compile() reads this file again in a project of its own: pass the choices on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ARM_NONE_EABI_CPU ARM_NONE_EABI_FLAGS)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# A bare-metal program cannot link without a C library and a memory map chosen by
# the firmware: check the compiler by building a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Options rather than CMAKE_C_FLAGS_INIT, which a -DCMAKE_C_FLAGS=... would replace
# (and with it the core: the compiler's default is Arm code for ARMv4T); the link
# needs them too, to pick the right multilib.  Once per project: CMake may read
# this file more than once.
get_property(arm_none_eabi_added GLOBAL PROPERTY ARM_NONE_EABI_OPTIONS_ADDED)
if(NOT arm_none_eabi_added)
  set_property(GLOBAL PROPERTY ARM_NONE_EABI_OPTIONS_ADDED TRUE)
  separate_arguments(arm_none_eabi_options UNIX_COMMAND
                     "-mcpu=${ARM_NONE_EABI_CPU} -mthumb ${ARM_NONE_EABI_FLAGS}")
  add_compile_options(${arm_none_eabi_options})
  add_link_options(${arm_none_eabi_options})
endif()

# Libraries, headers and packages from the target's sysroot only; programs from
# the build machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
