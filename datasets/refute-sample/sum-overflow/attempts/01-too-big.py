print(1)
print(10**10)
