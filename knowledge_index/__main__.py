from knowledge_index.cli import main

raise SystemExit(main())
