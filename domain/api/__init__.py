"""The API's request and response models, one definition for the server (which
answers with them) and the console (which reads them): pure pydantic, no database."""
