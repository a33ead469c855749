from daemon.app.cli import main

main()
