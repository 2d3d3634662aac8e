// Drives leadsdk's Web API with the npm dynamics-web-api client, unchanged; prints one JSON object of results.
// Run by tests/test_webapi_js_client.py with SERVER_URL set and NODE_EXTRA_CA_CERTS pointing at the test CA.
import { DynamicsWebApi } from "dynamics-web-api";

const api = new DynamicsWebApi({
  serverUrl: process.env.SERVER_URL,
  dataApi: { version: "9.2" },
  onTokenRefresh: async () => "local-dev-token",
});

const out = {};
const me = await api.callFunction({ functionName: "WhoAmI" });
out.userId = me.UserId;

const accountId = await api.create({ collection: "accounts", data: { name: "JS Account" } });
const lead = await api.create({
  collection: "leads",
  data: { lastname: "Lovelace", firstname: "Ada", subject: "JS", companyname: "JS Co",
          "parentaccountid@odata.bind": `accounts(${accountId})` },
  returnRepresentation: true,
  select: ["lastname", "_parentaccountid_value"],
});
out.created = { lastname: lead.lastname, parent: lead._parentaccountid_value };

const got = await api.retrieve({ collection: "leads", key: lead.leadid, select: ["lastname", "subject"],
                                  includeAnnotations: "OData.Community.Display.V1.FormattedValue" });
out.retrieved = got.subject;
await api.update({ collection: "leads", key: lead.leadid, data: { subject: "Updated by JS" } });

for (let i = 0; i < 5; i++) {
  await api.create({ collection: "contacts", data: { lastname: `JsPage ${i}` } });
}
const all = await api.retrieveAll({ collection: "contacts", select: ["lastname"], filter: "startswith(lastname,'JsPage')",
                                    orderBy: ["lastname"], maxPageSize: 2 });
out.retrieveAll = all.value.map((c) => c.lastname);

const fetchXml = "<fetch count='2'><entity name='contact'><attribute name='lastname'/>" +
  "<filter><condition attribute='lastname' operator='like' value='JsPage%'/></filter>" +
  "<order attribute='lastname'/></entity></fetch>";
const page = await api.fetch({ collection: "contacts", fetchXml, pageNumber: 1 });
out.fetchPage = { names: page.value.map((c) => c.lastname), more: page.PagingInfo?.nextPage ?? null,
                  hasCookie: Boolean(page.PagingInfo?.cookie) };
const fetchedAll = await api.fetchAll({ collection: "contacts", fetchXml });
out.fetchAll = fetchedAll.value.map((c) => c.lastname);

api.startBatch();
api.create({ collection: "accounts", data: { name: "JS Batch 1" } });
api.create({ collection: "accounts", data: { name: "JS Batch 2" } });
api.retrieveMultiple({ collection: "accounts", select: ["name"], filter: "startswith(name,'JS Batch')" });
const batch = await api.executeBatch();
out.batch = { created: batch.slice(0, 2).map((x) => typeof x), listed: (batch[2]?.value ?? []).length };

const qualified = await api.callAction({ collection: "leads", key: lead.leadid, actionName: "QualifyLead",
  action: { CreateAccount: false, CreateContact: true, CreateOpportunity: true, Status: 3 } });
out.qualified = qualified.CreatedEntities.map((e) => e["@odata.type"]).sort();

const master = await api.create({ collection: "accounts", data: { name: "JS Master" } });
const sub = await api.create({ collection: "accounts", data: { name: "JS Sub" } });
await api.callAction({ actionName: "Merge", action: {
  Target: { "@odata.type": "Microsoft.Dynamics.CRM.account", accountid: master },
  Subordinate: { "@odata.type": "Microsoft.Dynamics.CRM.account", accountid: sub },
  UpdateContent: { "@odata.type": "Microsoft.Dynamics.CRM.account", telephone1: "555-JS" },
  PerformParentingChecks: false } });
out.merge = { master, sub };

await api.deleteRecord({ collection: "accounts", key: accountId });
try {
  await api.retrieve({ collection: "accounts", key: accountId });
  out.deleted = false;
} catch (e) {
  out.deleted = e.status === 404 ? e.code ?? e.error?.code ?? true : `status ${e.status}`;
}
const deepId = await api.create({ collection: "accounts", data: {
  name: "JS Deep", primarycontactid: { lastname: "JS Primary" },
  contact_customer_accounts: [{ lastname: "JS Child 1" }, { lastname: "JS Child 2" }] } });
const withKids = await api.retrieveMultiple({ collection: "accounts", select: ["name"],
  filter: "contact_customer_accounts/any(c:startswith(c/lastname,'JS Child'))" });
out.deep = { id: deepId, found: withKids.value.map((a) => a.name) };

const filters = await api.retrieveMultiple({ collection: "sdkmessagefilters", select: ["primaryobjecttypecode"],
  filter: "primaryobjecttypecode eq 'lead'", expand: [{ property: "sdkmessageid", select: ["name"] }] });
out.leadMessages = filters.value.map((f) => f.sdkmessageid.name).filter((n) => n === "QualifyLead");
console.log(JSON.stringify(out));
