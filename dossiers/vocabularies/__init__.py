"""The vocabularies of a dossier's section data, one module each, with the Chinese labels every app prints.

Forms offer these choices, eligibility validates its parameters against them and words its reasons with
them, documents print them, and the stored section data holds their values.
"""
