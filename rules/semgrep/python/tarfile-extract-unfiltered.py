import shutil
import tarfile


def unpack(path, dest):
    # ruleid: python-tarfile-extract-unfiltered
    tarfile.open(path).extractall(dest)
    with tarfile.open(path, "r:gz") as tar:
        # ruleid: python-tarfile-extract-unfiltered
        tar.extractall(dest)
    archive = tarfile.open(path)
    # ruleid: python-tarfile-extract-unfiltered
    archive.extract("README", dest)
    # ruleid: python-tarfile-extract-unfiltered
    shutil.unpack_archive(path, dest)
    with tarfile.open(path) as tar:
        # ok: python-tarfile-extract-unfiltered
        tar.extractall(dest, filter="data")
    # ok: python-tarfile-extract-unfiltered
    shutil.unpack_archive(path, dest, filter="data")
