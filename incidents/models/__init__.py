"""Emergencies: incidents and their timeline, escalation policies, reports up the chain,
emergency plans and drills, post-incident reviews. One module per sub-domain, re-exported here."""

from incidents.models.incident import *  # noqa: F403
from incidents.models.plans import *  # noqa: F403
from incidents.models.reporting import *  # noqa: F403
from incidents.models.review import *  # noqa: F403
