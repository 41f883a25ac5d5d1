"""Processing: the de-identified extract every later stage reads (docs/processing.md).

After the extract nothing reads clear personal data: IDs become keyed pseudonyms, names keyed
encodings, addresses area codes; phones and free text are dropped. ``counting`` decides who is
counted where, for every table.
"""
