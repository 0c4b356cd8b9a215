"""Builds the workq extension for pip (`pip install ./python`, see README).

The engine and kernels are built first with CMake (static, position-
independent, Release) from the repository this directory belongs to (or
WORKQ_SOURCE_DIR), then the one-file extension is compiled and linked on
them. Nothing is downloaded: with Debian's setuptools and
--no-build-isolation it works offline.
"""
import os
import pathlib
import re
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = pathlib.Path(os.environ.get("WORKQ_SOURCE_DIR", HERE.parent)).resolve()


def project_version():
    """The version in the top-level CMakeLists.txt: one version for all."""
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(workq VERSION ([0-9.]+)", text).group(1)


class CMakeBuildExt(build_ext):
    """build_ext that first builds libworkq and libworkq_kernels with CMake."""

    def run(self):
        libs = pathlib.Path(self.build_temp).resolve() / "workq-cmake"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(libs), "-DCMAKE_BUILD_TYPE=Release",
                        "-DBUILD_SHARED_LIBS=OFF", "-DWORKQ_BUILD_APPS=OFF",
                        "-DWORKQ_BUILD_TESTS=OFF"], check=True)
        subprocess.run(["cmake", "--build", str(libs), "-j", str(os.cpu_count() or 2),
                        "--target", "workq", "workq_kernels"], check=True)
        for ext in self.extensions:
            ext.include_dirs += [str(ROOT / "engine" / "include"),
                                 str(ROOT / "kernels" / "include"), str(libs / "include")]
            ext.extra_objects += [str(libs / "kernels" / "libworkq_kernels.a"),
                                  str(libs / "engine" / "libworkq.a")]
        super().run()


setup(
    version=project_version(),
    packages=["workq"],
    package_data={"workq": ["_workq.pyi", "py.typed"]},
    ext_modules=[Extension(
        "workq._workq", ["workq/_workq.c"],
        define_macros=[("WQ_STATIC_DEFINE", None), ("WQ_KERNELS_STATIC_DEFINE", None)],
        extra_compile_args=["-std=c11", "-O2"], extra_link_args=["-pthread"],
        libraries=["m"])],
    cmdclass={"build_ext": CMakeBuildExt},
)
