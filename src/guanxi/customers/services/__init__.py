"""Customer master writes, by sub-domain; each one transaction, access-checked, audited and versioned."""

from guanxi.customers.services.contacts import (
    contact_create,
    contact_update,
    position_change,
    position_end,
    position_start,
)
from guanxi.customers.services.facts import customer_facts_refresh
from guanxi.customers.services.interactions import interaction_log, interaction_update
from guanxi.customers.services.merge import contact_merge, customer_merge, merge_undo
from guanxi.customers.services.profile import PROFILE_FIELDS, customer_create, customer_update
from guanxi.customers.services.relationships import (
    contact_relationship_create,
    contact_relationship_delete,
    relationship_create,
    relationship_delete,
)
from guanxi.customers.services.removal import (
    contact_delete,
    customer_delete,
    interaction_delete,
    tag_delete,
    tag_group_delete,
    tag_rule_delete,
)
from guanxi.customers.services.tags import (
    customer_tag_add,
    customer_tag_remove,
    tag_create,
    tag_group_create,
    tag_group_update,
    tag_rule_apply,
    tag_rule_save,
    tag_rules_apply_all,
    tag_update,
)

__all__ = [
    "PROFILE_FIELDS",
    "contact_create",
    "contact_delete",
    "contact_merge",
    "contact_relationship_create",
    "contact_relationship_delete",
    "contact_update",
    "customer_create",
    "customer_delete",
    "customer_facts_refresh",
    "customer_merge",
    "customer_tag_add",
    "customer_tag_remove",
    "customer_update",
    "interaction_delete",
    "interaction_log",
    "interaction_update",
    "merge_undo",
    "position_change",
    "position_end",
    "position_start",
    "relationship_create",
    "relationship_delete",
    "tag_create",
    "tag_delete",
    "tag_group_create",
    "tag_group_delete",
    "tag_group_update",
    "tag_rule_apply",
    "tag_rule_delete",
    "tag_rule_save",
    "tag_rules_apply_all",
    "tag_update",
]
