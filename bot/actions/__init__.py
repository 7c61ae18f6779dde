"""Custom actions of the Northwind assistant, served by rasa-sdk: `python -m rasa_sdk --actions bot.actions`."""
