n = 200000
print(n)
print(' '.join(['7'] * n))
