print('a' * 5000)
