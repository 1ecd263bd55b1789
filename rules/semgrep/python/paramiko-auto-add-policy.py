import paramiko
from paramiko.client import AutoAddPolicy


def connect(host):
    client = paramiko.SSHClient()
    # ruleid: python-paramiko-auto-add-policy
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    # ruleid: python-paramiko-auto-add-policy
    client.set_missing_host_key_policy(AutoAddPolicy)
    # ruleid: python-paramiko-auto-add-policy
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    # ok: python-paramiko-auto-add-policy
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_system_host_keys()
    client.connect(host)
    return client
