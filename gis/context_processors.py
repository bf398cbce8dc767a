from households.access import scope_for


def access(request):
    """The user's scope for templates: navigation shows only what the role may use."""
    scope = scope_for(request.user)
    return {
        "gis_scope": scope,
        "gis_can_import": scope.can("import"),
        "gis_can_read_log": scope.can("read_access_log"),
        "gis_can_manage_accounts": scope.can("manage_accounts"),
    }
