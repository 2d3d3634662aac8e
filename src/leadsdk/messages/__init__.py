"""Every request and response class, and the handlers that serve them.

Request fields are the Dataverse parameter names in snake_case (`QualifyLeadRequest.lead_id`).
Importing this package registers every handler. Each message family is one module; this package
re-exports each module's `__all__`.
"""

from __future__ import annotations

# ruff: noqa: I001  (families append their imports at their anchors below)

from leadsdk.messages import base, crud, relationships, seed
from leadsdk.messages.base import *  # noqa: F403
from leadsdk.messages.crud import *  # noqa: F403
from leadsdk.messages.relationships import *  # noqa: F403

# Families add themselves below: import the module, star-import it, and extend __all__.
# (lifecycle)
from leadsdk.messages import lifecycle
from leadsdk.messages.lifecycle import *  # noqa: F403
# (pipeline)
from leadsdk.messages import audit, batch
from leadsdk.messages.audit import *  # noqa: F403
from leadsdk.messages.batch import *  # noqa: F403
# (duplicates)
from leadsdk.messages import duplicates
from leadsdk.messages.duplicates import *  # noqa: F403
# (security)
from leadsdk.messages import security
from leadsdk.messages.security import *  # noqa: F403
# (metadata)
from leadsdk.messages import metadata
from leadsdk.messages.metadata import *  # noqa: F403
# (scoring)
from leadsdk.messages import scoring
from leadsdk.messages.scoring import *  # noqa: F403
# (routing)
from leadsdk.messages import routing
from leadsdk.messages.routing import *  # noqa: F403
# (keys, changes, jobs)
from leadsdk.messages import changes, jobs, keys
from leadsdk.messages.changes import *  # noqa: F403
from leadsdk.messages.jobs import *  # noqa: F403
from leadsdk.messages.keys import *  # noqa: F403

__all__: list[str] = []
__all__ += base.__all__
__all__ += crud.__all__
__all__ += relationships.__all__
# (lifecycle __all__)
__all__ += lifecycle.__all__
# (pipeline __all__)
__all__ += audit.__all__
__all__ += batch.__all__
# (duplicates __all__)
__all__ += duplicates.__all__
# (security __all__)
__all__ += security.__all__
# (metadata __all__)
__all__ += metadata.__all__
# (scoring __all__)
__all__ += scoring.__all__
# (routing __all__)
__all__ += routing.__all__
# (keys, changes, jobs __all__)
__all__ += keys.__all__
__all__ += changes.__all__
__all__ += jobs.__all__

_ = seed  # registers the store's seed rows
