from dlscan.cli import main

main()
