from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "guanxi.contracts"
    label = "contracts"
    verbose_name = _("Contracts and orders")

    def ready(self) -> None:
        from guanxi.accounts import access
        from guanxi.contracts.models import Order, OrderLine

        access.register(Order, record_type="contracts.order", via="customer")
        access.register(OrderLine, record_type="contracts.orderline", via="customer")
