raise SystemExit('no idea')
