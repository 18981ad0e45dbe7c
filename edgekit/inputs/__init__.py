"""What a model is fed: seeded random inputs, realistic scenes and sentences, user files, the input
sets a bench runs.
"""
