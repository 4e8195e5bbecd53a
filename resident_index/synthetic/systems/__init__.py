"""One module per council source system; each has NAME, LANDING and build(ctx) -> SystemOutput.

Order matters only where a system looks at what others hold: council tax plants single-person-discount
cases only where another system evidences the second adult, so it runs after the NHS feed and the register.
"""

from resident_index.synthetic.systems import (adult_social_care, benefits, blue_badges, childrens_services,
                                              council_tax, crm_contacts, electoral_register, housing_tenancies,
                                              nhs_demographics, parking_permits, school_admissions)

SYSTEMS = [nhs_demographics, electoral_register, benefits, housing_tenancies, adult_social_care, childrens_services,
           school_admissions, blue_badges, parking_permits, crm_contacts, council_tax]
