"""The model: one parsed description of a .tflite file or TF.js graph model, its formats, contract
types, quantization, MACs and dynamic dimensions.
"""
