"""Constants of the addon: system parameters (with their types and defaults), states, paths
and groups. System parameters are read with :func:`.utils.get_param`, never directly."""

from .lib.shipstation.webhooks import DEFAULT_KEYS_URL

#: States of a delivery a shipment sync never acts on (the others, outgoing and exported, are in transit).
IN_TRANSIT_STATES = ("draft", "done", "cancel")

#: Path of the route ShipStation calls; the account's webhook token follows it.
WEBHOOK_PATH = "/shipstation/webhook/"

#: The addon's security groups (XML ids).
GROUP_USER = "shipstation_connector.group_shipstation_user"
GROUP_MANAGER = "shipstation_connector.group_shipstation_manager"

# System parameter keys (Settings > Technical > System Parameters).
#: Seconds a scheduled sync applies before it hands the rest to its next run.
PARAM_CRON_TIME_BUDGET = "shipstation_connector.cron_time_budget"
#: Seconds a sync job applies before it hands the rest to its next job.
PARAM_JOB_TIME_BUDGET = "shipstation_connector.job_time_budget"
#: "False" keeps the scheduled actions in-process even with queue_job installed.
PARAM_USE_QUEUE_JOB = "shipstation_connector.use_queue_job"
#: The queue_job channel of the jobs.
PARAM_QUEUE_JOB_CHANNEL = "shipstation_connector.queue_job_channel"
#: At most one webhook-triggered sync per account in this many seconds.
PARAM_WEBHOOK_MIN_INTERVAL = "shipstation_connector.webhook_min_interval"
#: Where ShipStation publishes the public keys of its v2 webhook signatures.
PARAM_WEBHOOK_KEYS_URL = "shipstation_connector.webhook_keys_url"
#: Days the run history keeps a run.
PARAM_RUN_RETENTION_DAYS = "shipstation_connector.run_retention_days"
#: Hours a reconciliation leaves a fresh delivery alone.
PARAM_RECONCILE_GRACE_HOURS = "shipstation_connector.reconcile_grace_hours"
#: Seconds of the API client's first retry back-off.
PARAM_RETRY_BACKOFF = "shipstation_connector.retry_backoff"
#: Seconds the API client waits at most for ShipStation's rate limit.
PARAM_RATE_LIMIT_MAX_WAIT = "shipstation_connector.rate_limit_max_wait"
#: Calls of each rate-limit window left to the other apps on the same key.
PARAM_RATE_LIMIT_RESERVE = "shipstation_connector.rate_limit_reserve"

DEFAULT_QUEUE_JOB_CHANNEL = "root.shipstation"

#: ``{key: (type, default)}``: how each parameter is read, and its value when unset or unreadable
#: (None: not set, the caller decides).
PARAMS = {
    PARAM_CRON_TIME_BUDGET: (float, None),
    PARAM_JOB_TIME_BUDGET: (float, None),
    PARAM_USE_QUEUE_JOB: (bool, True),
    PARAM_QUEUE_JOB_CHANNEL: (str, DEFAULT_QUEUE_JOB_CHANNEL),
    PARAM_WEBHOOK_MIN_INTERVAL: (int, 60),
    PARAM_WEBHOOK_KEYS_URL: (str, DEFAULT_KEYS_URL),
    PARAM_RUN_RETENTION_DAYS: (int, 90),
    PARAM_RECONCILE_GRACE_HOURS: (float, 24.0),
    PARAM_RETRY_BACKOFF: (float, None),
    PARAM_RATE_LIMIT_MAX_WAIT: (float, None),
    PARAM_RATE_LIMIT_RESERVE: (int, None),
}
