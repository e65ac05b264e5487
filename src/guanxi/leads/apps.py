from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from django.db.models import Q

        from guanxi.accounts import access
        from guanxi.accounts.models import User
        from guanxi.leads import models

        def pool_of_own_team(user: User) -> Q:
            """Reps see the leads waiting in their own team's pool (to claim them)."""
            if user.team_id is None:
                return Q(pk__in=[])
            return Q(owner__isnull=True, team_id=user.team_id)

        access.register(models.Lead, record_type="leads.lead", also=pool_of_own_team)
        access.register(models.LeadEvent, record_type="leads.leadevent", via="lead")
        access.register(models.DuplicateCandidate, record_type="leads.duplicatecandidate", via="lead")
