from dlscan.cli.app import main

main()
