/** @odoo-module **/
/* A warehouse user's path through the connector, in a real browser: the account's card,
 * Operations, a preview that changes nothing, Process, a count of the result, the delivery. */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("shipstation_connector_tour", {
    test: true,
    url: "/web#action=shipstation_connector.shipstation_account_action_dashboard",
    steps: () => [
        {
            content: "The account's card tells what is in transit",
            trigger: ".o_kanban_record:contains('Tour ShipStation') a[name='action_open_in_transit']:contains('1 in transit')",
            run() {},
        },
        {
            content: "Open the operations of the account",
            trigger: ".o_kanban_record:contains('Tour ShipStation') button:contains('Operations')",
        },
        {
            content: "Ask for a preview only",
            trigger: "div[name='dry_run'] input[type='checkbox']",
        },
        {
            content: "Process the preview",
            trigger: "footer button[name='action_process']",
        },
        {
            content: "The preview says the delivery would be validated, with its tracking",
            trigger: "div[name='preview_line_ids'] .o_data_row:contains('1ZTOUR'):contains('Validate')",
            run() {},
        },
        {
            content: "Apply it for real",
            trigger: "footer button[name='action_apply_preview']",
        },
        {
            content: "The result counts one delivery validated: open it",
            trigger: "div[name='run_ids'] a[name='action_open_validated']:contains('1 validated')",
        },
        {
            content: "Open the delivery the result counted",
            trigger: ".o_list_view .o_data_row:contains('WH/OUT') td[name='name']",
        },
        {
            content: "The delivery is done",
            trigger: ".o_form_view .o_statusbar_status:has(button.o_arrow_button_current:contains('Done'))",
            run() {},
        },
        {
            content: "Open its ShipStation parcels",
            trigger: ".o_form_view .o_notebook a:contains('ShipStation Parcels')",
        },
        {
            content: "The parcel ShipStation shipped, with its tracking number",
            trigger: ".o_form_view div[name='shipstation_shipment_ids'] .o_data_row:contains('1ZTOUR')",
            run() {},
        },
    ],
});
