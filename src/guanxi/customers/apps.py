from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from guanxi.accounts import access
        from guanxi.customers import lists, models  # lists: the customer list's saved-view spec

        access.register(models.Customer, record_type=lists.CUSTOMER_LIST.record_type)
        access.register(models.CustomerFacts, record_type="customers.customerfacts", via="customer")
        access.register(models.Position, record_type="customers.position", via="customer")
        access.register(models.Interaction, record_type="customers.interaction", via="customer")
        access.register(models.CustomerTag, record_type="customers.customertag", via="customer")
        # A relationship follows its first end; selectors also require the other end to be visible.
        access.register(models.CustomerRelationship, record_type="customers.relationship", via="from_customer")
        access.register(models.ContactRelationship, record_type="customers.contactrelationship", via="from_contact")
        # A contact is visible through every customer where they hold or held a post.
        access.register(models.Contact, record_type="customers.contact", via="positions__customer")
