import os
import zipfile


def unzip(path, dest):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            # ruleid: python-archive-member-path-join
            target = os.path.join(dest, name)
            with open(target, "wb") as out:
                out.write(archive.read(name))
        for info in archive.infolist():
            # ruleid: python-archive-member-path-join
            with open(os.path.join(dest, info.filename), "wb") as out:
                out.write(archive.read(info))
        for name in archive.namelist():
            # ok: python-archive-member-path-join
            target = os.path.join(dest, os.path.basename(name))
            print(target)
        # ok: python-archive-member-path-join
        archive.extractall(dest)
