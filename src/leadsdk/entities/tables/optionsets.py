"""Option sets shared by several tables (Dataverse's global and copied choices)."""

from __future__ import annotations

from leadsdk.entities.declare import optionset

INDUSTRY = optionset("IndustryCode", {
    1: "Accounting",
    2: "Agriculture and Non-petrol Natural Resource Extraction",
    3: "Broadcasting Printing and Publishing",
    4: "Brokers",
    5: "Building Supply Retail",
    6: "Business Services",
    7: "Consulting",
    8: "Consumer Services",
    9: "Design, Direction and Creative Management",
    10: "Distributors, Dispatchers and Processors",
    11: "Doctor's Offices and Clinics",
    12: "Durable Manufacturing",
    13: "Eating and Drinking Places",
    14: "Entertainment Retail",
    15: "Equipment Rental and Leasing",
    16: "Financial",
    17: "Food and Tobacco Processing",
    18: "Inbound Capital Intensive Processing",
    19: "Inbound Repair and Services",
    20: "Insurance",
    21: "Legal Services",
    22: "Non-Durable Merchandise Retail",
    23: "Outbound Consumer Service",
    24: "Petrochemical Extraction and Distribution",
    25: "Service Retail",
    26: "SIG Affiliations",
    27: "Social Services",
    28: "Special Outbound Trade Contractors",
    29: "Specialty Realty",
    30: "Transportation",
    31: "Utility Creation and Distribution",
    32: "Vehicle Retail",
    33: "Wholesale",
}, is_global=True)

LEAD_SOURCE = optionset("LeadSourceCode", {
    1: "Advertisement",
    2: "Employee Referral",
    3: "External Referral",
    4: "Partner",
    5: "Public Relations",
    6: "Seminar",
    7: "Trade Show",
    8: "Web",
    9: "Word of Mouth",
    10: "Other",
})

PREFERRED_CONTACT_METHOD = optionset("PreferredContactMethodCode", {
    1: "Any", 2: "Email", 3: "Phone", 4: "Fax", 5: "Mail",
})

RATING = optionset("RatingCode", {1: "Hot", 2: "Warm", 3: "Cold"})

BUDGET_STATUS = optionset("BudgetStatus", {
    0: "No Committed Budget", 1: "May Buy", 2: "Can Buy", 3: "Will Buy",
}, is_global=True)

PURCHASE_TIMEFRAME = optionset("PurchaseTimeframe", {
    0: "Immediate", 1: "This Quarter", 2: "Next Quarter", 3: "This Year", 4: "Unknown",
}, is_global=True)

PURCHASE_PROCESS = optionset("PurchaseProcess", {0: "Individual", 1: "Committee", 2: "Unknown"}, is_global=True)

NEED = optionset("Need", {0: "Must have", 1: "Should have", 2: "Good to have", 3: "No need"}, is_global=True)

SALES_STAGE = optionset("SalesStage", {0: "Qualify", 1: "Develop", 2: "Propose", 3: "Close"})

PRIORITY = optionset("PriorityCode", {0: "Low", 1: "Normal", 2: "High"})

LEAD_GRADE = optionset("LeadGrade", {0: "Grade A", 1: "Grade B", 2: "Grade C", 3: "Grade D"})

SCORE_TREND = optionset("ScoreTrend", {0: "Improving", 1: "Steady", 2: "Declining", 3: "Not enough info"})

INITIAL_COMMUNICATION = optionset("InitialCommunication", {0: "Contacted", 1: "Not Contacted"})

CUSTOMER_TYPE = optionset("CustomerTypeCode", {
    1: "Competitor", 2: "Consultant", 3: "Customer", 4: "Investor", 5: "Partner", 6: "Influencer",
    7: "Press", 8: "Prospect", 9: "Reseller", 10: "Supplier", 11: "Vendor", 12: "Other",
})

ACCOUNT_CATEGORY = optionset("AccountCategoryCode", {1: "Preferred Customer", 2: "Standard"})

OWNERSHIP = optionset("OwnershipCode", {1: "Public", 2: "Private", 3: "Subsidiary", 4: "Other"})

GENDER = optionset("GenderCode", {1: "Male", 2: "Female"})

FAMILY_STATUS = optionset("FamilyStatusCode", {1: "Single", 2: "Married", 3: "Divorced", 4: "Widowed"})

ACTIVE_INACTIVE = ((0, "Active", {1: "Active"}), (1, "Inactive", {2: "Inactive"}))
