def delete_account(request, account):
    # ruleid: python-assert-access-control
    assert request.user.is_authenticated
    # ruleid: python-assert-access-control
    assert request.user.is_admin, "admins only"
    # ruleid: python-assert-access-control
    assert account.owner_id == request.user.id
    # ok: python-assert-access-control
    assert isinstance(account.id, int)
    if not request.user.has_perm("accounts.delete"):
        raise PermissionError("forbidden")
    # ok: python-assert-access-control
    assert len(account.name) < 100
