from vngeo.cli import main

main()
