import tempfile
from tempfile import mktemp


def scratch():
    # ruleid: python-tempfile-mktemp
    name = tempfile.mktemp(suffix=".txt")
    # ruleid: python-tempfile-mktemp
    other = mktemp()
    # ok: python-tempfile-mktemp
    fd, path = tempfile.mkstemp(suffix=".txt")
    # ok: python-tempfile-mktemp
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(b"x")
    return name, other, fd, path
