from formcheck.cli import main

raise SystemExit(main())
