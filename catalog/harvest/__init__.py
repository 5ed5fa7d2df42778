"""The directory for harvesters: DCAT-AP 3 as JSON-LD (:mod:`catalog.harvest.dcat`) and a CKAN Action API
subset (:mod:`catalog.harvest.ckan`), both over the resources the public directory lists
(:func:`catalog.models.listed`, read through :mod:`catalog.harvest.listing`) and the guide's fields mapped
once (:mod:`catalog.harvest.terms`)."""
