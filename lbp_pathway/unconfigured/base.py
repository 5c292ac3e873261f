"""Database ENGINE "lbp_pathway.unconfigured": Django's dummy backend with a message that helps."""

from django.db.backends.dummy import base as dummy

from lbp_pathway.unconfigured import refuse


class DatabaseOperations(dummy.DatabaseOperations):
    quote_name = refuse


class DatabaseClient(dummy.DatabaseClient):
    runshell = refuse


class DatabaseIntrospection(dummy.DatabaseIntrospection):
    get_table_list = refuse
    get_table_description = refuse
    get_relations = refuse
    get_indexes = refuse


class DatabaseWrapper(dummy.DatabaseWrapper):
    vendor = "unconfigured"
    display_name = "no database (DATABASE_URL unset)"
    _cursor = refuse
    ensure_connection = refuse
    _commit = refuse
    _savepoint_commit = refuse
    _set_autocommit = refuse
    client_class = DatabaseClient
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
