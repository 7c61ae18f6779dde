"""Custom actions of the Northwind assistant, served by rasa-sdk through `python -m bot.action_server`."""
