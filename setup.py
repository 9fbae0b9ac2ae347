"""Package layout that pyproject.toml cannot express.

The proofs live in the top-level ``proofs/`` folder and install as ``curvature.proofs``, so
``import curvature.proofs`` works from regular and editable installs alike. Every other
package under ``curvature/`` is found automatically.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["curvature", "curvature.*"]), "curvature.proofs"],
    package_dir={"curvature.proofs": "proofs"},
)
