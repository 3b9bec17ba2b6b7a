/** @odoo-module **/
/* A newcomer's walk through every screen the connector adds, in a real browser: the card (last
 * sync, waiting), the run, the waiting delivery (why it waits, its parcel in words), the
 * reconciliation (its title, a fix that links instead of exporting again), and the customer's
 * portal (shipped, with its tracking link). */

import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Walk ShipStation')";

registry.category("web_tour.tours").add("shipstation_connector_walk_tour", {
    test: true,
    url: "/web#action=shipstation_connector.shipstation_account_action_dashboard",
    steps: () => [
        {
            content: "The card's last sync reads 'Last sync <date>: ok', with a space before its result",
            trigger: `${CARD} .o_shipstation_last_run span.ms-1:contains('ok')`,
            run() {},
        },
        {
            content: "Open the last sync's run from the card",
            trigger: `${CARD} a[name='action_open_last_run']`,
        },
        {
            content: "The run counts the delivery that waits",
            trigger: ".o_form_view button[name='action_open_waiting']:contains('1')",
            run() {},
        },
        {
            content: "Back to the cards",
            trigger: ".o_breadcrumb .breadcrumb-item a",
        },
        {
            content: "Open the waiting deliveries from the card",
            trigger: `${CARD} a[name='action_open_waiting']:contains('1 waiting')`,
        },
        {
            content: "Open the waiting delivery",
            trigger: ".o_list_view .o_data_row td[name='name']:contains('WH/OUT')",
        },
        {
            content: "The form says, at the top, why it waits and what to do",
            trigger: ".o_form_view .alert-warning:contains('ShipStation: waiting.'):contains('Receive them')",
            run() {},
        },
        {
            content: "Open its ShipStation parcels",
            trigger: ".o_form_view .o_notebook a:contains('ShipStation Parcels')",
        },
        {
            content: "Its parcel names its carrier and service in words",
            trigger: ".o_form_view div[name='shipstation_shipment_ids'] .o_data_row:contains('1ZWALK'):contains('UPS Ground')",
            run() {},
        },
        {
            content: "Back to the cards",
            trigger: ".o_breadcrumb .breadcrumb-item:first a",
        },
        {
            content: "Open the card's menu",
            trigger: `${CARD} .o_dropdown_kanban .dropdown-toggle`,
        },
        {
            content: "Reconcile the account",
            trigger: ".dropdown-menu a[name='action_reconcile']",
        },
        {
            content: "The reconciliation is titled by its account, and offers no New button",
            trigger: ".o_breadcrumb:contains('Reconcile: Walk ShipStation')",
            extra_trigger: "body:not(:has(.o_form_button_create))",
            run() {},
        },
        {
            content: "The delivery whose order id was typed wrong: ShipStation holds its order under its number",
            trigger: ".o_form_view div[name='line_ids'] .o_data_row:contains('Missing'):contains('Link the order found by its number')",
            run() {},
        },
        {
            content: "Fix All Safe links it, exporting nothing",
            trigger: ".o_form_view button[name='action_fix_all']",
        },
        {
            content: "The line is fixed",
            trigger: ".o_form_view div[name='line_ids'] .o_data_row:contains('Missing'):contains('Fixed')",
            run() {},
        },
    ],
});

// Started on the sale order's own portal page (its URL, with its access token, comes from the test).
registry.category("web_tour.tours").add("shipstation_connector_portal_tour", {
    test: true,
    steps: () => [
        {
            content: "The customer's delivery ShipStation shipped says Shipped, beside its tracking link",
            trigger: "div[name='delivery_order']:has(.badge:contains('Shipped')):has(a:contains('1ZWALK'))",
            run() {},
        },
    ],
});

// Started on a delivery's form (its URL comes from the test).
registry.category("web_tour.tours").add("shipstation_connector_export_tour", {
    test: true,
    steps: () => [
        {
            content: "Export the delivery to ShipStation",
            trigger: ".o_form_view button[name='action_export_to_shipstation']",
        },
        {
            content: "The form stays on the delivery, reloaded: exported, its Export button gone",
            trigger: ".o_form_view:not(:has(button[name='action_export_to_shipstation'])) .o_form_sheet h1:contains('WH/OUT')",
            run() {},
        },
    ],
});
