from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "guanxi.insights"
    label = "insights"
    verbose_name = _("Customer value")

    def ready(self) -> None:
        from guanxi.accounts import access
        from guanxi.insights.models import (
            CustomerGrade,
            CustomerValue,
            FeltKeyMark,
            GradeChange,
            SegmentChange,
            SegmentMember,
        )

        # Figures, grades, marks and memberships of a customer are visible exactly when the customer is.
        for model in (CustomerValue, CustomerGrade, GradeChange, FeltKeyMark, SegmentMember, SegmentChange):
            access.register(model, record_type=f"insights.{model._meta.model_name}", via="customer")
