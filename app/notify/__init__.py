"""Following: who hears of which change (outbox.py, in the transaction of the change), and the
mail worker that sends what they are owed (mail.py, `deals notify`)."""
