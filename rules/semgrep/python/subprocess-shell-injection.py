import subprocess
from subprocess import Popen


def handler(request, filename):
    host = request.args.get("host")
    # ruleid: python-subprocess-shell-injection
    subprocess.run("ping -c 1 " + host, shell=True)
    # ruleid: python-subprocess-shell-injection
    subprocess.check_output(f"ls {filename}", shell=True, text=True)
    # ruleid: python-subprocess-shell-injection
    Popen("cat %s" % filename, shell=True)
    # ruleid: python-subprocess-shell-injection
    subprocess.getoutput("du -sh " + filename)
    # ruleid: python-subprocess-shell-injection
    subprocess.call(args=host, shell=True)

    # ok: python-subprocess-shell-injection
    subprocess.run(["ping", "-c", "1", host])
    # ok: python-subprocess-shell-injection
    subprocess.run("ls -l /tmp", shell=True)
    # ok: python-subprocess-shell-injection
    subprocess.run(host, shell=False)
    # ok: python-subprocess-shell-injection
    subprocess.getoutput("uptime")
