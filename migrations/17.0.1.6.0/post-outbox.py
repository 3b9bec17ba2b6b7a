"""Accounts that existed before the outbox keep their behaviour: nothing is put on hold
in ShipStation until someone turns the option on. New accounts hold by default."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE shipstation_account SET hold_unready_orders = FALSE")
