print(3)
print(' '.join(['1000000000'] * 3))
