from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "guanxi.insights"
    label = "insights"
    verbose_name = _("Customer value")

    def ready(self) -> None:
        from guanxi.accounts import access
        from guanxi.insights.models import CustomerValue

        access.register(CustomerValue, record_type="insights.customervalue", via="customer")
