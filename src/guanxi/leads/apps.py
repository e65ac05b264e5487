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

        from django.db.models.signals import post_delete, post_save

        from guanxi.core.records import record_updated
        from guanxi.customers.models import Contact, Customer, Position
        from guanxi.leads import signals

        # The duplicate check's keys (derived data) follow customers and contacts.
        post_save.connect(signals.customer_saved, sender=Customer, dispatch_uid="leads_dedup_customer")
        post_save.connect(signals.contact_saved, sender=Contact, dispatch_uid="leads_dedup_contact")
        post_save.connect(signals.position_saved, sender=Position, dispatch_uid="leads_dedup_position")
        post_delete.connect(signals.customer_deleted, sender=Customer, dispatch_uid="leads_dedup_customer_gone")
        post_delete.connect(signals.contact_deleted, sender=Contact, dispatch_uid="leads_dedup_contact_gone")
        # Edits through core.records.record_update (a QuerySet.update: no post_save).
        record_updated.connect(signals.customer_saved, sender=Customer, dispatch_uid="leads_dedup_customer_edit")
        record_updated.connect(signals.contact_saved, sender=Contact, dispatch_uid="leads_dedup_contact_edit")
        record_updated.connect(signals.position_saved, sender=Position, dispatch_uid="leads_dedup_position_edit")
